// A process's CPU time, as the benchmarks and the idle tests read it: /proc/PID/stat's utime
// and stime, every thread of the process included (io_uring's io-wq workers are threads of the
// process). /proc counts in clock ticks (10 ms here): over a 2 s run at full load that is
// within 1 %.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second, the unit of /proc/PID/stat's times. */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time process `pid` has used so far, in clock ticks (user + system). */
export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
  return Number(fields[11]) + Number(fields[12]);
}

/** The same in microseconds. */
export function cpuMicros(pid) {
  return (cpuTicks(pid) * 1e6) / CLOCK_TICKS;
}
