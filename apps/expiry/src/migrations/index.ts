import { CreateExpirySchedule1796295212749 } from './1796295212749-CreateExpirySchedule';

export const expiryMigrations = [CreateExpirySchedule1796295212749];
