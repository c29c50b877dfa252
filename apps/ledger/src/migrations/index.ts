import { CreateLedger1796295216000 } from './1796295216000-CreateLedger';
import { AddOptOutsAndAnomalies1796900100000 } from './1796900100000-AddOptOutsAndAnomalies';
import { EnforceAppendOnlyAndCheckpoints1797000000000 } from './1797000000000-EnforceAppendOnlyAndCheckpoints';
import { AddGrantHistoryWindowIndex1797100000000 } from './1797100000000-AddGrantHistoryWindowIndex';

export const ledgerMigrations = [
  CreateLedger1796295216000,
  AddOptOutsAndAnomalies1796900100000,
  EnforceAppendOnlyAndCheckpoints1797000000000,
  AddGrantHistoryWindowIndex1797100000000,
];
