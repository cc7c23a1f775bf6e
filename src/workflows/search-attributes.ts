/** Custom search attributes of measure workflows, so the Temporal UI and `temporal workflow list --query` can filter measures. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PROGRAM = defineSearchAttributeKey('RemediationProgram', SearchAttributeType.KEYWORD);
export const MEASURE = defineSearchAttributeKey('RemediationMeasure', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('RemediationStatus', SearchAttributeType.KEYWORD);
export const OWNER = defineSearchAttributeKey('RemediationOwner', SearchAttributeType.KEYWORD);
export const NEXT_DUE = defineSearchAttributeKey('RemediationNextDue', SearchAttributeType.DATETIME);

/** Name and Temporal CLI type of each key, for registering them on a server (`--search-attribute NAME=TYPE`). */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: ReadonlyArray<{ name: string; cliType: 'Keyword' | 'Datetime' }> = [
  { name: PROGRAM.name, cliType: 'Keyword' },
  { name: MEASURE.name, cliType: 'Keyword' },
  { name: STATUS.name, cliType: 'Keyword' },
  { name: OWNER.name, cliType: 'Keyword' },
  { name: NEXT_DUE.name, cliType: 'Datetime' },
];
