export {
  attachDeskChannel,
  DESK_CHANNEL_DEFAULTS,
  type DeskChannel,
  type DeskChannelOptions,
  isDeskChannelRequest,
} from './desk-channel';
