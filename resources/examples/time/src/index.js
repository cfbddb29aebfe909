// Date.now() reads wasi:clocks/wall-clock; the tool needs no other capability.
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function now(offsetMinutes) {
  return momentAt(Date.now(), offset(offsetMinutes)).iso;
}

export function currentMoment(offsetMinutes) {
  return momentAt(Date.now(), offset(offsetMinutes));
}

/** UTC-12:00 to UTC+14:00 are the offsets in use on Earth; anything else is a caller's mistake. */
function offset(minutes) {
  if (minutes === undefined || minutes === null) return 0;
  if (!Number.isInteger(minutes) || minutes < -720 || minutes > 840)
    throw `timezone-offset-minutes must be between -720 and 840 (UTC-12:00 to UTC+14:00), got ${minutes}`;
  return minutes;
}

function momentAt(ms, offsetMinutes) {
  // Shifting the instant and reading UTC fields gives the wall time at that offset without time zone data.
  const local = new Date(ms + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  return {
    iso: `${local.toISOString().slice(0, -1)}${suffix(offsetMinutes)}`,
    year,
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: WEEKDAYS[local.getUTCDay()],
    dayOfYear: Math.floor((local.getTime() - startOfYear) / 86_400_000) + 1,
    utcOffsetMinutes: offsetMinutes,
    unixSeconds: BigInt(Math.floor(ms / 1000)),
  };
}

function suffix(offsetMinutes) {
  if (offsetMinutes === 0) return 'Z';
  const abs = Math.abs(offsetMinutes);
  const pad = (n) => String(n).padStart(2, '0');
  return `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
