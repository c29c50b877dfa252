import { CreateExpirySchedule1796295212749 } from './1796295212749-CreateExpirySchedule';
import { ScheduleOptOuts1796900000000 } from './1796900000000-ScheduleOptOuts';
import { OrderDueDeadlinesByIdToo1797200000000 } from './1797200000000-OrderDueDeadlinesByIdToo';

export const expiryMigrations = [
  CreateExpirySchedule1796295212749,
  ScheduleOptOuts1796900000000,
  OrderDueDeadlinesByIdToo1797200000000,
];
