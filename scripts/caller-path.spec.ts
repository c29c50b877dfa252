import { callerPath } from './caller-path';

describe(callerPath.name, () => {
  it('resolves a relative file against the directory npm was called from', () => {
    expect(callerPath('audit.jsonl', { INIT_CWD: '/home/siem' }, '/work/main')).toBe(
      '/home/siem/audit.jsonl',
    );
  });

  it('resolves against the working directory when not run through npm', () => {
    expect(callerPath('keys/ledger.pub.pem', {}, '/home/siem')).toBe(
      '/home/siem/keys/ledger.pub.pem',
    );
  });

  it('keeps an absolute file as it is', () => {
    expect(callerPath('/tmp/audit.jsonl', { INIT_CWD: '/home/siem' }, '/work/main')).toBe(
      '/tmp/audit.jsonl',
    );
  });
});
