#!/usr/bin/env node
// Serves a folder read-only over HTTP on 127.0.0.1 for the e2e harness: the
// chart mirror, standing in for the upstream chart repositories. A process
// of its own, because the harness blocks while Helm and git run.
//   node verify/engines/static-server.js <folder> <port>
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const [folder, port] = process.argv.slice(2);
const root = path.resolve(folder);
http
  .createServer((req, res) => {
    const file = path.join(root, decodeURIComponent((req.url || '/').split('?')[0]));
    if (!file.startsWith(`${root}${path.sep}`) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.endsWith('.yaml') ? 'application/x-yaml' : 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  })
  .listen(Number(port), '127.0.0.1');
