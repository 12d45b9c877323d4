// How C++ iostreams print numbers, so the emulated tools' text matches the real ones byte
// for byte: the default float format (%g with precision 6: "2.9499e+06", "57758.2"),
// std::fixed with setprecision(3), and std::setw right alignment.

/** `stream << x` for a double with default flags: %g, 6 significant digits. */
export function cppDefault(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  if (exp < -4 || exp >= 6) {
    const [mant = '0', e = '0'] = x.toExponential(5).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = x.toPrecision(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** `stream << std::fixed << std::setprecision(3) << x`. */
export function cppFixed3(x: number): string {
  return (Math.round(x * 1000) / 1000).toFixed(3);
}

/** `"\t" << std::right << std::setw(width) << text`: the InitField of TF's stats calculator. */
export function field(width: number, text: string): string {
  return `\t${text.padStart(width)}`;
}
