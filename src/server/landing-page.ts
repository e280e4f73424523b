/** The page at `/`: static text and a link to the metrics; nothing from the request. */
export function landingPage(version: string, telemetryPath: string): string {
  const escaped = telemetryPath.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>listenq-exporter</title></head>
<body>
<h1>listenq-exporter ${version}</h1>
<p>Per-socket TCP listen (accept) queue depth, limit, peaks and overflow counters.</p>
<ul>
<li><a href="${escaped}">Metrics</a></li>
<li><a href="/healthz">Health</a></li>
<li><a href="/readyz">Readiness</a></li>
</ul>
</body>
</html>
`;
}
