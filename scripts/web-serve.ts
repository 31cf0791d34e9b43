// A static file server for the built page (no server logic): GET and HEAD of files under one
// folder, nothing outside it. Usage: tsx scripts/web-serve.ts [DIR] (PORT, default 8080; HOST,
// default 127.0.0.1).
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
};

/** The file a request path names inside `root`, or undefined for anything outside it or not a file. */
export function fileFor(root: string, requestPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(requestPath, "http://localhost").pathname);
  } catch {
    return undefined;
  }
  const file = resolve(root, `.${path.endsWith("/") ? `${path}index.html` : path}`);
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

export function serveStatic(dir: string, { port = 8080, host = "127.0.0.1" } = {}): Promise<Server> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const file = fileFor(root, request.url ?? "/");
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    response.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-cache",
    });
    if (request.method === "HEAD") response.end();
    else createReadStream(file).pipe(response);
  });
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => done(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? join(import.meta.dirname, "..", "out", "web");
  const server = await serveStatic(dir, { port: Number(process.env.PORT ?? 8080), host: process.env.HOST });
  const { address, port } = server.address() as AddressInfo;
  console.log(`serving ${dir} at http://${address}:${port}/ (Ctrl-C stops)`);
}
