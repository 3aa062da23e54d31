// Serves Heimdall Lite (@mitre/heimdall-lite's built dist/) on 127.0.0.1 only,
// with one HDF file offered as Heimdall's "predefined load"
// (/dynamic/predefinedload.json, read by the page when opened with
// ?predefinedLoad=true).  The package's own server listens on every
// interface, so the tests use this one.
// Heimdall asks api.github.com for its latest release on every start and
// reports the failure on the console when offline; with CERT and KEY a
// second, TLS listener answers that one request with Heimdall's own
// version (the browser maps api.github.com to it), so the console shows
// only what the page does with the HDF.
//   node heimdall_serve.mjs PORTFILE FILE.hdf.json [CERT KEY]
// Writes "HTTP_PORT TLS_PORT" (ephemeral ports) to PORTFILE, then serves
// until killed.
import { createServer } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, extname, join, normalize } from 'node:path'

const [portFile, hdfFile, cert, key] = process.argv.slice(2)
if (!portFile || !hdfFile) {
  console.error('usage: heimdall_serve.mjs PORTFILE FILE.hdf.json')
  process.exit(2)
}
const require = createRequire(import.meta.url)
const dist = join(require.resolve('@mitre/heimdall-lite/package.json'), '..', 'dist')
const predefined = JSON.stringify([{ filename: basename(hdfFile), data: readFileSync(hdfFile, 'utf8') }])
const types = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.png': 'image/png', '.ico': 'image/x-icon', '.svg': 'image/svg+xml', '.woff': 'font/woff',
  '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.map': 'application/json'
}
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname)
  if (path === '/dynamic/predefinedload.json') {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    return res.end(predefined)
  }
  let file = normalize(join(dist, path))
  if (!file.startsWith(dist)) {
    res.writeHead(403)
    return res.end()
  }
  if (path === '/' || path === '/index.html') file = join(dist, 'index.html')
  else if (!existsSync(file) || statSync(file).isDirectory()) {
    res.writeHead(404)
    return res.end()
  }
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' })
  res.end(readFileSync(file))
})
const version = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')).version
const github = cert && createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const ok = req.url === '/repos/mitre/heimdall2/tags'
  res.writeHead(ok ? 200 : 404, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' })
  res.end(ok ? JSON.stringify([{ name: `v${version}` }]) : '')
})
server.listen(0, '127.0.0.1', () => {
  const done = () => writeFileSync(portFile, `${server.address().port} ${github ? github.address().port : 0}\n`)
  if (github) github.listen(0, '127.0.0.1', done)
  else done()
})
