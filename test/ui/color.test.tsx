// Colour on and off. Ink's colours follow the terminal; this file forces
// them on (before Ink loads) to see that --no-color / NO_COLOR turn them off.
import t from 'tap';
import { finished, T0 } from './helpers/fixtures.js';

process.env.FORCE_COLOR = '1';
const { render } = await import('ink-testing-library');
const { FinishedTable } = await import('../../src/ui/components/FinishedTable.js');
const { TypeBars } = await import('../../src/ui/components/TypeBars.js');
const { zeroCounts } = await import('../../src/ui/state.js');

// eslint-disable-next-line no-control-regex
const COLOUR = /\x1b\[(3[0-9]|9[0-7])m/;

t.test('colour when on; none with color off, and the same text either way', async (t) => {
  const rows = [finished('ERROR', { id: '0mfin001' }), finished('SUCCESS', { id: '0mfin002' })];
  const on = render(<FinishedTable tasks={rows} more={0} selected={0} focused height={2} width={80} now={T0} theme={{ color: true }} />).lastFrame()!;
  const off = render(<FinishedTable tasks={rows} more={0} selected={0} focused height={2} width={80} now={T0} theme={{ color: false }} />).lastFrame()!;
  t.match(on, COLOUR);
  t.notMatch(off, COLOUR);
  // eslint-disable-next-line no-control-regex
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
  t.equal(plain(on), plain(off));
  const bars = render(
    <TypeBars byType={{ a: { ...zeroCounts(), WAITING: 1, RUNNING: 1, SUCCESS: 1, ERROR: 1 } }} exact height={1} width={60} theme={{ color: false }} />,
  ).lastFrame()!;
  t.notMatch(bars, COLOUR);
  t.match(plain(bars), /░+▓+█+╳+/, 'without colour the bar parts differ by glyph');
});
