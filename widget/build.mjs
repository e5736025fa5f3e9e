// Bundle src/ into dist/lems-chat.js and dist/lems-chat.css with esbuild.
import { build } from "esbuild";

await build({
  entryPoints: { "lems-chat": "src/index.js" },
  outdir: "dist",
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  legalComments: "eof",
  logLevel: "warning",
});
console.log("built widget/dist/lems-chat.js and widget/dist/lems-chat.css");
