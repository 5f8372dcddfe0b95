// Test page: never reports.
export {};
