/** Host identity for listenq_host_info, read once at start; failure is only logged. */
import si from 'systeminformation';

export interface HostInfo {
  readonly hostname: string;
  readonly kernel: string;
  readonly os: string;
}

export async function readHostInfo(timeoutMs: number): Promise<HostInfo> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`host identity not read within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    const os = await Promise.race([si.osInfo(), timeout]);
    return {
      hostname: os.hostname,
      kernel: os.kernel,
      os: [os.distro, os.release].filter((s) => s && s !== 'unknown').join(' ') || os.platform,
    };
  } finally {
    clearTimeout(timer);
  }
}
