/** `/assets/*`: the stylesheet and the compiled script, read once at start, served from the controller itself. */
import { readdirSync, readFileSync } from 'node:fs';
import { Hono } from 'hono';

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Every .js of the compiled script and the stylesheet, by file name. */
function loadAssets(): Map<string, { body: string; type: string }> {
  const assets = new Map<string, { body: string; type: string }>();
  const add = (folder: URL, name: string) => {
    const extension = name.slice(name.lastIndexOf('.'));
    const type = types[extension];
    if (type) assets.set(name, { body: readFileSync(new URL(name, folder), 'utf8'), type });
  };
  for (const folder of [new URL('../client/', import.meta.url), new URL('../../assets/', import.meta.url)]) {
    for (const name of readdirSync(folder)) add(folder, name);
  }
  return assets;
}

export function assetRoutes() {
  const assets = loadAssets();
  const app = new Hono();
  // Browsers ask for it on every site; the page has none.
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('no such asset', 404);
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
  });
  return app;
}
