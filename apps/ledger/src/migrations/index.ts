import { CreateLedger1796295216000 } from './1796295216000-CreateLedger';
import { AddOptOutsAndAnomalies1796900100000 } from './1796900100000-AddOptOutsAndAnomalies';

export const ledgerMigrations = [CreateLedger1796295216000, AddOptOutsAndAnomalies1796900100000];
