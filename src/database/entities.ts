/** Every TypeORM entity of the node; each aggregate module exports its own list. */
export const ALL_ENTITIES: Function[] = [];
