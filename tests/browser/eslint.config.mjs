// ESLint's flat config for the JavaScript Plenum ships and tests: the
// pages' modules (web/js/*.js, run in the browser) and these browser tests
// (*.mjs, run by Node). ESLint's recommended rules only: unused names,
// undefined names, unreachable code and the like, no style. Run from the
// repository root with -c (tests/CMakeLists.txt, test "eslint"), so the
// patterns below are relative to the root.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    // `catch (_)` and `_` parameters say "deliberately unused".
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["web/js/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: { ...globals.browser },
    },
  },
  {
    files: ["tests/browser/*.mjs"],
    languageOptions: {
      sourceType: "module",
      // Node's globals, and the browser's: the functions a test hands to
      // page.evaluate() run in the page (document, window, fetch).
      globals: { ...globals.node, ...globals.browser },
    },
  },
];
