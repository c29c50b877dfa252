import { CreateLedger1796295216000 } from './1796295216000-CreateLedger';

export const ledgerMigrations = [CreateLedger1796295216000];
