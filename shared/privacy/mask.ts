/**
 * Personal data inside free text (a description, a note, a log message): phone numbers — mainland mobiles,
 * landlines with area code, +country numbers — and ID-card numbers are masked, while ids that merely contain
 * digits (UUIDs like 75f8a197-1987-4835-…, ticket numbers 20261122-000123, ISO timestamps, hex hashes) are left
 * exactly as they are so that logs can still be traced. Used by shared/log.ts and the per-role views.
 */

/** Ids and timestamps protected from masking: found first, put back after. */
const PROTECTED =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b\d{8}-\d{6}\b|\d{4}-\d{2}-\d{2}T[\d:.]+Z?|\b[0-9a-f]{32,}\b/gi;

const SEP = String.raw`[\s-]?`;
/** 18-digit (or old 15-digit) resident ID-card numbers. */
const ID_CARD = /(?<!\w)([1-9]\d{5})(?:\d{11}[\dXx]|\d{9})(?!\w)/g;
const MOBILE = new RegExp(
  String.raw`(?<![\w+])(?:(?:\+|00)?86${SEP})?(1[3-9]\d)${SEP}\d{4}${SEP}(\d{4})(?![\w])`,
  "g",
);
const LANDLINE = new RegExp(
  String.raw`(?<![\w+])(0\d{2,3})(?:-|\s|\)|）)?\s?(\d{3,4})${SEP}?(\d{4})(?![\w])`,
  "g",
);
const FOREIGN = /(?<![\w+])(?:\+|00)([1-9]\d{0,2})[\s-]?((?:\d[\s-]?){5,12})(\d{2})(?![\w])/g;

export function maskText(text: string): string {
  const kept: string[] = [];
  const hidden = text.replace(PROTECTED, (m) => {
    kept.push(m);
    return `\uE000${kept.length - 1}\uE001`;
  });
  const masked = hidden
    .replace(ID_CARD, (m, head: string) => `${head}${"*".repeat(m.length - head.length - 2)}${m.slice(-2)}`)
    .replace(MOBILE, "$1****$2")
    .replace(LANDLINE, (_m, area: string, _mid: string, last: string) => `${area}-****${last}`)
    .replace(FOREIGN, (_m, cc: string, _mid: string, last: string) => `+${cc} ****${last}`);
  return masked.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => kept[Number(i)] ?? "");
}

/** Names are not recognisable in general text; a known name (the reporter's) is, wherever it appears. */
export function maskKnownNames(text: string, names: readonly string[]): string {
  let out = text;
  for (const name of names) {
    const chars = [...name];
    if (chars.length < 2) continue;
    out = out.split(name).join(`${chars[0]}${"*".repeat(chars.length - 1)}`);
  }
  return out;
}

/** Titled forms people write in complaints: 张先生, 李女士, 王师傅, 联系人：赵六. */
const TITLED = /([\u4e00-\u9fa5])[\u4e00-\u9fa5]?(先生|女士|小姐|师傅|阿姨)/g;
const LABELLED = /(姓名|联系人|报告人|举报人|反映人|来电人)([:：\s]*)([\u4e00-\u9fa5·]{2,5})/g;

export function maskNamesInText(text: string): string {
  return text
    .replace(LABELLED, (_m, label: string, sep: string, name: string) => {
      const chars = [...name];
      return `${label}${sep}${chars[0]}${"*".repeat(chars.length - 1)}`;
    })
    .replace(TITLED, (_m, family: string, title: string) => `${family}*${title}`);
}
