/** "Ana is here", "Ana and Ben are here", "Ana, Ben and 2 others are here", "2 people are here". */
export function presenceText(names: readonly string[], unnamed: number): string {
  const total = names.length + unnamed;
  if (names.length === 0) return total === 1 ? '1 person is here' : `${total} people are here`;
  const shown = names.slice(0, 2);
  const rest = total - shown.length;
  const who =
    rest === 0
      ? shown.join(' and ')
      : `${shown.join(', ')} and ${rest} ${rest === 1 ? 'other' : 'others'}`;
  return `${who} ${total === 1 ? 'is' : 'are'} here`;
}
