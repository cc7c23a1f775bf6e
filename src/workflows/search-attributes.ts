/** Custom search attributes of measure workflows, so the Temporal UI and `temporal workflow list --query` can filter measures. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTE } from '../domain/names';

export const PROGRAM = defineSearchAttributeKey(SEARCH_ATTRIBUTE.program, SearchAttributeType.KEYWORD);
export const MEASURE = defineSearchAttributeKey(SEARCH_ATTRIBUTE.measure, SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey(SEARCH_ATTRIBUTE.status, SearchAttributeType.KEYWORD);
export const OWNER = defineSearchAttributeKey(SEARCH_ATTRIBUTE.owner, SearchAttributeType.KEYWORD);
export const NEXT_DUE = defineSearchAttributeKey(SEARCH_ATTRIBUTE.nextDue, SearchAttributeType.DATETIME);

/** Name and Temporal CLI type of each key, for registering them on a server (`--search-attribute NAME=TYPE`). */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: ReadonlyArray<{ name: string; cliType: 'Keyword' | 'Datetime' }> = [
  { name: PROGRAM.name, cliType: 'Keyword' },
  { name: MEASURE.name, cliType: 'Keyword' },
  { name: STATUS.name, cliType: 'Keyword' },
  { name: OWNER.name, cliType: 'Keyword' },
  { name: NEXT_DUE.name, cliType: 'Datetime' },
];

/** Set by the server on a run a Schedule started: the time it was scheduled for. */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
