// A tiny HTTP server so that the demo Dockerfile has something to run.
const http = require('node:http');

const port = Number(process.env.PORT ?? 3000);
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('shop is up\n');
  })
  .listen(port, () => console.log(`listening on ${port}`));
