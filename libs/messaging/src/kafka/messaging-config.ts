export interface MessagingConfig {
  brokers: string[];
  clientId: string;
  /** Prefixed to every topic and consumer group name; empty in a normal deployment. */
  topicPrefix: string;
}
