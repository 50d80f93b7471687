import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"] },
      },
      {
        // Emulator and real-ZooKeeper scenarios share the machine's two cores: one file at a time.
        test: {
          name: "integration",
          include: ["tests/sim/**/*.test.ts", "tests/integration/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
