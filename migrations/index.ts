/**
 * Every migration, in order. Listed explicitly (rather than globbed) so the app, the CLI and Jest
 * load exactly the same classes.
 */
export const ALL_MIGRATIONS: Function[] = [];
