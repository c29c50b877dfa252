import { CreateAccessRequests1796295325756 } from './1796295325756-CreateAccessRequests';

export const requestsMigrations = [CreateAccessRequests1796295325756];
