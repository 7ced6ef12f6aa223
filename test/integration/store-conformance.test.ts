// The shared Store conformance suite, run against LevelStore in a temp dir.
import t from 'tap';
import { makeLevelStore } from '../helpers/level.js';
import { storeConformance } from '../helpers/store-conformance.js';

storeConformance(t, makeLevelStore);
