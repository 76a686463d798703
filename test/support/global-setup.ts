import { ADMIN_URL_ENV, createTemplate, RUN_ENV, TEMPLATE_ENV } from './database';
import { startTestPgServer } from './pg-server';

export default async function globalSetup(): Promise<void> {
  // Each database tier declares this setup; a run of several tiers shares one server.
  if ((globalThis as Record<string, unknown>).__PRISM_PG__) return;
  const server = await startTestPgServer();
  (globalThis as Record<string, unknown>).__PRISM_PG__ = server;
  const run = `r${process.pid}`;
  const template = `prism_${run}_template`;
  process.env[RUN_ENV] = run;
  await createTemplate(server.adminUrl, template);
  // Workers are spawned after globalSetup and inherit these.
  process.env[ADMIN_URL_ENV] = server.adminUrl;
  process.env[TEMPLATE_ENV] = template;
  process.env.PRISM_TEST_PG_KIND = server.kind;
  console.log(`\n[test] PostgreSQL: ${server.kind}; template database ${template} migrated`);
}
