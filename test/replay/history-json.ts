/**
 * History files as JSON through @temporalio/proto's own message type. The SDK's
 * historyToJSON/historyFromJSON cannot be used here: @temporalio/common and
 * @temporalio/proto each get their own nested copy of protobufjs 8 (the top level holds
 * protobufjs 7 for gRPC), and its JSON extension rejects the other copy's types.
 */
import proto, { type temporal } from '@temporalio/proto';

export type History = temporal.api.history.v1.IHistory;
const HistoryMessage = proto.temporal.api.history.v1.History;

export function historyToJson(history: History): string {
  const object = HistoryMessage.toObject(HistoryMessage.fromObject(history), { longs: String, enums: String, bytes: String, defaults: false });
  return JSON.stringify(object, null, 1);
}

export function historyFromJson(text: string): History {
  return HistoryMessage.fromObject(JSON.parse(text));
}
