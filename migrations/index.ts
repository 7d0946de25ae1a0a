// Every migration, in order. The schema changes only through these (never `synchronize`).
import { Foundation1764100000000 } from './1764100000000-foundation';

export const MIGRATIONS = [Foundation1764100000000];
