// How a report's table shows one value. Which columns hold shares the server says
// (`shares` in the report's JSON): a share of exactly 1 arrives as the number 1, which
// looks like a count here.
export function cell(value, share) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") {
    if (share) return `${(value * 100).toFixed(1)} %`;
    return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(1);
  }
  return String(value) || "(none)";
}
