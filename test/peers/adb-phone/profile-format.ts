// The text TensorFlow Lite's benchmark prints for op profiles: a re-implementation of the
// formatting in tensorflow/core/util/stats_calculator.cc (Run Order, Top by Computation
// Time, Summary by node type, "Timings (microseconds): count=..."), in both the tab-aligned
// stdout form and the CSV form (ProfileSummaryCSVFormatter). Older builds print a [start]
// column, newer ones do not; `startColumn` picks.

import { cppDefault, cppFixed3, field } from './cpp-format.js';

/** tensorflow::Stat<int64_t>: running count/first/newest/min/max/sum/squared sum. */
export class Stat {
  count = 0;
  first = 0;
  newest = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;
  squaredSum = 0;

  update(v: number): void {
    if (this.count === 0) this.first = v;
    this.newest = v;
    this.min = Math.min(this.min, v);
    this.max = Math.max(this.max, v);
    this.count++;
    this.sum += v;
    this.squaredSum += v * v;
  }

  avg(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  /** Integer like the C++ ValueType (int64) it is stored in. */
  std(): number {
    if (this.count === 0 || this.min === this.max) return 0;
    const a = this.avg();
    return Math.trunc(Math.sqrt(Math.max(0, this.squaredSum / this.count - a * a)));
  }

  /** Stat::OutputToStream. */
  toString(): string {
    if (this.count === 0) return 'count=0';
    if (this.min === this.max) return `count=${this.count} curr=${this.newest}${this.count > 1 ? '(all same)' : ''}`;
    return `count=${this.count} first=${this.first} curr=${this.newest} min=${this.min} max=${this.max} avg=${cppDefault(this.avg())} std=${this.std()}`;
  }
}

interface Detail {
  name: string;
  type: string;
  runOrder: number;
  start: Stat;
  elapsed: Stat;
  mem: Stat;
  timesCalled: number;
}

export interface FormatOptions {
  csv: boolean;
  startColumn: boolean;
}

/** tensorflow::StatsCalculator, reduced to what the TFLite profile summarizer uses. */
export class StatsCalculator {
  private readonly details = new Map<string, Detail>();
  private readonly runTotal = new Stat();

  addNodeStats(name: string, type: string, runOrder: number, startUs: number, elapsedUs: number, memBytes: number): void {
    let d = this.details.get(name);
    if (!d) {
      d = { name, type, runOrder, start: new Stat(), elapsed: new Stat(), mem: new Stat(), timesCalled: 0 };
      this.details.set(name, d);
    }
    d.start.update(startUs);
    d.elapsed.update(elapsedUs);
    d.mem.update(memBytes);
    d.timesCalled++;
  }

  updateRunTotalUs(us: number): void {
    this.runTotal.update(us);
  }

  get numRuns(): number {
    return this.runTotal.count;
  }

  get nodeCount(): number {
    return this.details.size;
  }

  private header(title: string, o: FormatOptions): string {
    let s = `============================== ${title} ==============================\n`;
    if (o.csv) {
      s += o.startColumn ? 'node type, start, first, avg_ms, %, cdf%, mem KB, times called, name' : 'node type, first, avg_ms, %, cdf%, mem KB, times called, name';
    } else {
      s += field(24, '[node type]');
      if (o.startColumn) s += field(17, '[start]');
      s += field(9, '[first]') + field(9, '[avg ms]') + field(8, '[%]') + field(8, '[cdf%]') + field(10, '[mem KB]') + field(9, '[times called]') + '\t[Name]';
    }
    return s;
  }

  private column(d: Detail, cumulative: number, o: FormatOptions): string {
    const startMs = d.start.avg() / 1000;
    const firstMs = d.elapsed.first / 1000;
    const avgMs = d.elapsed.avg() / 1000;
    const pct = (d.elapsed.sum * 100) / this.runTotal.sum;
    const cdf = (cumulative * 100) / this.runTotal.sum;
    const memKb = d.mem.newest / 1000;
    const times = Math.trunc(d.timesCalled / Math.max(1, this.numRuns));
    if (o.csv) {
      const parts = [d.type];
      if (o.startColumn) parts.push(cppDefault(startMs));
      parts.push(cppDefault(firstMs), cppDefault(avgMs), `${cppDefault(pct)}%`, `${cppDefault(cdf)}%`, cppDefault(memKb), String(times), d.name);
      return parts.join(', ');
    }
    let s = field(24, d.type);
    if (o.startColumn) s += field(17, cppFixed3(startMs));
    s += field(9, cppFixed3(firstMs)) + field(9, cppFixed3(avgMs));
    s += `${field(7, cppFixed3(pct))}%${field(7, cppFixed3(cdf))}%`;
    s += field(10, cppFixed3(memKb)) + field(9, String(times)) + `\t${d.name}`;
    return s;
  }

  private byMetric(title: string, order: Detail[], limit: number, o: FormatOptions): string {
    let s = `${this.header(title, o)}\n`;
    let cumulative = 0;
    order.slice(0, limit > 0 ? limit : order.length).forEach((d) => {
      cumulative += d.elapsed.sum;
      s += `${this.column(d, cumulative, o)}\n`;
    });
    return `${s}\n`;
  }

  private byNodeType(o: FormatOptions): string {
    const runs = Math.max(1, this.numRuns);
    const count = new Map<string, number>();
    const time = new Map<string, number>();
    const mem = new Map<string, number>();
    const called = new Map<string, number>();
    let accumulated = 0;
    for (const d of this.details.values()) {
      const t = Math.trunc(d.elapsed.sum / runs);
      accumulated += t;
      count.set(d.type, (count.get(d.type) ?? 0) + 1);
      time.set(d.type, (time.get(d.type) ?? 0) + t);
      mem.set(d.type, (mem.get(d.type) ?? 0) + d.mem.newest);
      called.set(d.type, (called.get(d.type) ?? 0) + Math.trunc(d.timesCalled / runs));
    }
    let s = `Number of nodes executed: ${this.details.size}\n`;
    s += '============================== Summary by node type ==============================\n';
    if (o.csv) {
      s += 'node type, count, avg_ms, avg %, cdf %, mem KB, times called\n';
    } else {
      s += `${field(24, '[Node type]') + field(9, '[count]') + field(10, '[avg ms]') + field(11, '[avg %]') + field(11, '[cdf %]') + field(10, '[mem KB]') + field(10, '[times called]')}\n`;
    }
    // std::priority_queue<pair<time, pair<type, mem>>>: largest time first, then type desc.
    const types = [...time.keys()].sort((a, b) => (time.get(b) ?? 0) - (time.get(a) ?? 0) || (a < b ? 1 : a > b ? -1 : 0));
    let cdf = 0;
    for (const type of types) {
      const t = time.get(type) ?? 0;
      const pct = Math.fround((Math.fround(t) / Math.fround(accumulated || 1)) * 100);
      cdf = Math.fround(cdf + pct);
      const ms = Math.fround(t / 1000);
      const memKb = Math.fround((mem.get(type) ?? 0) / 1000);
      if (o.csv) {
        s += `${type}, ${count.get(type) ?? 0}, ${cppDefault(ms)}, ${cppDefault(pct)}%, ${cppDefault(cdf)}%, ${cppDefault(memKb)}, ${called.get(type) ?? 0}\n`;
      } else {
        s += `${field(24, type) + field(9, String(count.get(type) ?? 0)) + field(10, cppFixed3(ms))}${field(10, cppFixed3(pct))}%${field(10, cppFixed3(cdf))}%${field(10, cppFixed3(memKb))}${field(9, String(called.get(type) ?? 0))}\n`;
      }
    }
    return `${s}\n`;
  }

  /** StatsCalculator::GetOutputString with the TFLite summarizer's options. */
  outputString(o: FormatOptions): string {
    const all = [...this.details.values()];
    const runOrder = [...all].sort((a, b) => a.runOrder - b.runOrder);
    const byTime = [...all].sort((a, b) => b.elapsed.avg() - a.elapsed.avg() || a.runOrder - b.runOrder);
    return this.byMetric('Run Order', runOrder, 0, o) + this.byMetric('Top by Computation Time', byTime, 10, o) + this.byNodeType(o);
  }

  /** StatsCalculator::GetShortSummary. */
  shortSummary(): string {
    return `Timings (microseconds): ${this.runTotal.toString()}\nMemory (bytes): count=0\n${this.details.size} nodes observed\n`;
  }
}

/** ProfileSummaryDefaultFormatter / CSVFormatter GenerateReport for one subgraph (+ delegate internals). */
export function profileReport(main: StatsCalculator, delegate: StatsCalculator | null, o: FormatOptions): string {
  let s = main.outputString(o) + main.shortSummary() + '\n';
  if (delegate && delegate.numRuns > 0) {
    s += 'Delegate internal: \n' + delegate.outputString(o) + delegate.shortSummary() + '\n';
  }
  return s;
}
