// Bundle src/ into dist/lems-chat.js and dist/lems-chat.css with esbuild.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

// The server's cap on a message (bot/limits.py): one number, for the server and the widget.
const limits = readFileSync(new URL("../bot/limits.py", import.meta.url), "utf8");
const maxChars = limits.match(/^MAX_MESSAGE_CHARS\s*=\s*(\d+)/m);
if (!maxChars) throw new Error("bot/limits.py has no line MAX_MESSAGE_CHARS = <number>");

// The widget's fixed texts (bot/knowledge/widget.yml and the rest), written and checked by
// bot/widget_texts.py, which `make widget` runs first: the Python loader is their one reader.
const textsFile = new URL("../build/widget-texts.json", import.meta.url);
let texts;
try {
  texts = readFileSync(textsFile, "utf8");
} catch {
  throw new Error("build/widget-texts.json is missing: build the widget with `make widget`");
}

await build({
  entryPoints: { "lems-chat": "src/index.js" },
  outdir: "dist",
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  legalComments: "eof",
  define: { LEMS_MAX_MESSAGE_CHARS: maxChars[1], LEMS_TEXTS: JSON.stringify(JSON.parse(texts)) },
  logLevel: "warning",
});
console.log("built widget/dist/lems-chat.js and widget/dist/lems-chat.css");
