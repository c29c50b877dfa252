import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTableSql, createProcessedEventsTableSql } from '@app/messaging';

export class CreateApprovalsSchema1796295211726 implements MigrationInterface {
  name = 'CreateApprovalsSchema1796295211726';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE approvals.approval_requests (
        request_id uuid PRIMARY KEY,
        requester_id text NOT NULL,
        requester_groups text[] NOT NULL,
        resource text NOT NULL,
        role text NOT NULL,
        requested_duration text NOT NULL,
        granted_duration text NOT NULL,
        granted_duration_ms bigint NOT NULL CHECK (granted_duration_ms > 0),
        capped boolean NOT NULL,
        justification text NOT NULL,
        ticket text,
        start_at timestamptz,
        policy_id text NOT NULL,
        auto_approve_rule text,
        approver_groups text[] NOT NULL,
        approvals_required integer NOT NULL CHECK (approvals_required >= 0),
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
        decide_by timestamptz,
        correlation_id text NOT NULL,
        created_at timestamptz NOT NULL,
        resolved_at timestamptz,
        resolved_by text,
        CHECK ((status = 'pending') = (resolved_at IS NULL))
      )`);
    // seq keeps the order approvals were recorded in, which instants alone cannot when they tie.
    await runner.query(`
      CREATE TABLE approvals.approvals (
        request_id uuid NOT NULL REFERENCES approvals.approval_requests (request_id),
        approver_id text NOT NULL,
        comment text,
        approved_at timestamptz NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (request_id, approver_id)
      )`);
    // One row per request: the primary key refuses a second resolution even if a lock was missed.
    await runner.query(`
      CREATE TABLE approvals.decisions (
        request_id uuid PRIMARY KEY REFERENCES approvals.approval_requests (request_id),
        outcome text NOT NULL CHECK (outcome IN ('approved', 'denied', 'expired')),
        decided_by text,
        comment text,
        decided_at timestamptz NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE approvals.grants (
        grant_id uuid PRIMARY KEY,
        request_id uuid NOT NULL UNIQUE REFERENCES approvals.approval_requests (request_id),
        subject text NOT NULL,
        resource text NOT NULL,
        role text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        duration text NOT NULL,
        requested_duration text NOT NULL,
        capped boolean NOT NULL,
        automatic boolean NOT NULL,
        CHECK (ends_at > starts_at)
      )`);
    await runner.query(createOutboxTableSql('approvals'));
    await runner.query(createProcessedEventsTableSql('approvals'));
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [
      'processed_events',
      'outbox',
      'grants',
      'decisions',
      'approvals',
      'approval_requests',
    ]) {
      await runner.query(`DROP TABLE approvals.${table}`);
    }
  }
}
