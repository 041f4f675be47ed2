/** Fixed secrets for test stacks, so tests can also forge tokens signed with the wrong key. */
export const TEST_SECRETS = {
  NEXTAUTH_SECRET: "test-nextauth-secret-0123456789abcdef0123456789",
  VEHICLE_TOKEN_SECRET: "test-vehicle-secret-0123456789abcdef0123456789",
  REALTIME_TICKET_SECRET: "test-ticket-secret-0123456789abcdef01234567890",
  DEMO_PASSWORD: "sentinel-demo",
} as const;
