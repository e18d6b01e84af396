/** The in-memory backbone keeps the backbone contract (process-local: instances do not share messages). */
import { inmemBackbone } from '../src/backbones/inmem';
import { backboneContract } from '../src/testing';

backboneContract(inmemBackbone, () => ({ config: () => ({}), shared: false }));
