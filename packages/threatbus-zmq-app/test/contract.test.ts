/** The zmq app keeps the app contract (threatbus/testing), on ports the OS picks. */
import { appContract } from 'threatbus/testing';
import zmqPlugin from '../src';

appContract(zmqPlugin, () => ({ config: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0 } }));
