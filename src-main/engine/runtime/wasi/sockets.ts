import type { HostBridge } from '../host-bridge.js';
import { HOST_OPS } from '../sandbox.js';

class Network {}
class TcpSocket {}
class UdpSocket {}
class IncomingDatagramStream {}
class OutgoingDatagramStream {}
class ResolveAddressStream {}

/**
 * wasi:sockets: raw sockets are denied for every guest. Tools reach the network through wasi:http,
 * where each request is checked against the grants; a raw socket would bypass those checks.
 */
export function createSockets(bridge: HostBridge) {
  const deny = (target: string) => {
    bridge.notify(HOST_OPS.used, {
      kind: 'network',
      target,
      access: 'socket',
      decision: 'denied',
      reason: 'components get no raw sockets; they reach granted hosts through wasi:http',
    });
    throw 'access-denied';
  };
  return {
    network: { Network, networkErrorCode: () => undefined },
    instanceNetwork: { instanceNetwork: () => new Network() },
    tcpCreateSocket: { createTcpSocket: () => deny('tcp socket') },
    udpCreateSocket: { createUdpSocket: () => deny('udp socket') },
    tcp: { TcpSocket },
    udp: { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    ipNameLookup: {
      ResolveAddressStream,
      resolveAddresses: (_net: Network, name: string) => deny(`dns:${name}`),
    },
  };
}
