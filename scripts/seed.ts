// npm run db:seed [demo|bench|city] [--quiet] – load a seed profile into DATABASE_URL (safe to run again).
import "dotenv/config";
import { SEED_PROFILES, seededVehicleSecret, type SeedProfile } from "../lib/seed/seed";

const USAGE = `Usage: npm run db:seed [${Object.keys(SEED_PROFILES).join("|")}] [--quiet]`;

function parseArgs(args: string[]): { profile: SeedProfile; quiet: boolean } {
  const flags = args.filter((a) => a.startsWith("-"));
  const positional = args.filter((a) => !a.startsWith("-"));
  const unknownFlag = flags.find((f) => f !== "--quiet");
  if (unknownFlag) throw new Error(`Unknown option ${unknownFlag}.\n${USAGE}`);
  if (positional.length > 1) throw new Error(`Expected one profile, got ${positional.join(" ")}.\n${USAGE}`);
  const profile = positional[0] ?? "demo";
  if (!Object.hasOwn(SEED_PROFILES, profile)) {
    throw new Error(`Unknown seed profile "${profile}". Valid profiles: ${Object.keys(SEED_PROFILES).join(", ")}.\n${USAGE}`);
  }
  return { profile: profile as SeedProfile, quiet: flags.includes("--quiet") };
}

async function main() {
  const { profile, quiet } = parseArgs(process.argv.slice(2));
  // Imported here, not at the top: they validate the environment on import, and a bad one should read as a message.
  const { env } = await import("../lib/env");
  const { checkServices } = await import("./services");
  const { prisma } = await import("../lib/db");
  const { seed } = await import("../lib/seed/seed");
  await checkServices({ redis: false });
  try {
    console.log(`Seeding profile ${profile} into database ${new URL(env.DATABASE_URL).pathname.slice(1)}…`);
    const started = performance.now();
    const summary = await seed(prisma, profile, { password: env.DEMO_PASSWORD, onProgress: (line) => console.log(`  ${line}`) });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const newRows = Object.values(summary.created).reduce((a, b) => a + b, 0);
    const tally = Object.entries(summary.counts).map(([kind, n]) => `${kind} ${n}`).join(", ");
    console.log(
      `Seeded profile ${profile} in ${seconds} s: ${tally} ` +
        (newRows ? `(${newRows} rows created).` : "(already seeded; nothing changed)."),
    );
    if (quiet) return;
    const rows = [["email", "role", "scope", "password"], ...summary.logins.map((l) => [l.email, l.role, l.scope, env.DEMO_PASSWORD])];
    const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
    console.log("\nLogins:");
    for (const row of rows) console.log(`  ${row.map((cell, col) => cell.padEnd(widths[col]!)).join("  ").trimEnd()}`);
    console.log(`\nSeeded vehicles authenticate with device secret "${seededVehicleSecret(env.DEMO_PASSWORD, "<callSign>")}".`);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  // P2021: table missing, i.e. the database was never migrated.
  if ((err as { code?: unknown } | null)?.code === "P2021") console.error("Run `npm run db:migrate` first.");
  process.exit(1);
});
