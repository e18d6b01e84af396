/** The core's app contract (threatbus/testing) for the OpenCTI plugin, pointed at the OpenCTI double with one indicator stored. */
import { appContract } from 'threatbus/testing';
import openCtiPlugin from '../src';
import { configFor } from './helpers';
import { OpenCtiDouble, indicatorStix, storeIndicator } from './opencti-double';

appContract(openCtiPlugin, async () => {
  const octi = await new OpenCtiDouble().start();
  storeIndicator(octi, indicatorStix('contract.example'));
  return {
    config: configFor(octi),
    close: async () => {
      await octi.stop();
      expect(octi.violations).toEqual([]);
    },
  };
});
