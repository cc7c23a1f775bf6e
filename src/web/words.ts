/** Every word of the web pages, in Japanese and English: one table (conventions §13). */
import type { Lang } from '../domain/plan';
import type { MilestoneStatus } from '../domain/status';

export const WORDS = {
  appName: { ja: '是正措置トラッカー', en: 'Remediation tracker' },
  skip: { ja: '本文へ移動', en: 'Skip to content' },
  calendarHeading: { ja: 'カレンダー', en: 'Calendar' },
  calendarText: {
    ja: 'あなたが担当する期日（プログラムマネージャーはすべての期日）を、終日の予定としてカレンダーに取り込めます。期日が変わると予定も更新されます。このアドレスはあなた専用です。共有しないでください。',
    en: 'Your due dates (all of them, for program managers) as all-day events your calendar can subscribe to; they move when the dates change. The address is yours alone: do not share it.',
  },
  calendarLink: { ja: 'カレンダーのフィード（ICS）', en: 'Calendar feed (ICS)' },
  language: { ja: '言語', en: 'Language' },
  signedInAs: { ja: 'サインイン中', en: 'Signed in as' },
  logout: { ja: 'サインアウト', en: 'Sign out' },
  navProgram: { ja: 'プログラム', en: 'Program' },
  navApprovals: { ja: '承認待ち', en: 'Approvals' },
  back: { ja: '戻る', en: 'Back' },
  none: { ja: 'なし', en: 'None' },
  home: {
    ja: 'リマインダーメールのリンクから操作するか、プログラムのページからサインインしてください。',
    en: 'Act from the links in your reminder mails, or sign in from your program’s page.',
  },

  // the four dates and the columns
  measure: { ja: '施策', en: 'Measure' },
  milestone: { ja: 'マイルストーン', en: 'Milestone' },
  owner: { ja: '担当', en: 'Owner' },
  sponsor: { ja: '責任者', en: 'Sponsor' },
  status: { ja: '状況', en: 'Status' },
  originalDue: { ja: '当初期日', en: 'Original due date' },
  due: { ja: '現在の期日', en: 'Due date' },
  forecast: { ja: '見込み', en: 'Forecast' },
  completedOn: { ja: '完了日', en: 'Completed on' },
  nextDue: { ja: '次の期日', en: 'Next due' },
  progress: { ja: '進捗', en: 'Progress' },
  directiveItems: { ja: '指導事項', en: 'Directive items' },
  otherMeasures: { ja: 'その他の施策', en: 'Other measures' },
  pendingReplan: { ja: '承認待ちの計画変更', en: 'Re-plan awaiting approval' },
  awaitingVerification: { ja: '確認待ちの完了', en: 'Completion awaiting verification' },

  // statuses
  'status.done': { ja: '完了', en: 'Done' },
  'status.cancelled': { ja: '中止', en: 'Cancelled' },
  'status.awaiting-verification': { ja: '確認待ち', en: 'Awaiting verification' },
  'status.overdue': { ja: '期限超過', en: 'Overdue' },
  'status.at-risk': { ja: '遅延の恐れ', en: 'At risk' },
  'status.on-track': { ja: '順調', en: 'On track' },

  // action links
  'action.complete': { ja: 'マイルストーンを完了する', en: 'Complete the milestone' },
  'action.forecast': { ja: '見込み日を更新する', en: 'Update the forecast' },
  'action.replan': { ja: '期日の変更を依頼する', en: 'Ask for a new due date' },
  'submit.complete': { ja: '完了を記録する', en: 'Record the completion' },
  'submit.forecast': { ja: '見込み日を記録する', en: 'Record the forecast' },
  'submit.replan': { ja: '計画変更を依頼する', en: 'Ask for the re-plan' },
  evidence: { ja: '証跡（チケット番号・文書・URL）', en: 'Evidence (ticket, document or URL)' },
  newDate: { ja: '日付', en: 'Date' },
  reason: { ja: '理由', en: 'Reason' },
  reasonOptional: { ja: '理由（任意）', en: 'Reason (optional)' },
  reasonToReject: { ja: '理由（差し戻す場合は必須）', en: 'Reason (required to reject)' },
  actingAs: { ja: 'このリンクの利用者', en: 'This link acts as' },
  linkExpires: { ja: 'リンクの有効期限', en: 'The link expires' },
  required: { ja: '入力してください', en: 'Required' },
  notADate: { ja: '日付（YYYY-MM-DD）を入力してください', en: 'Enter a date (YYYY-MM-DD)' },
  accepted: { ja: '記録しました。', en: 'Recorded.' },
  refused: { ja: '受け付けられませんでした。何も変更されていません。', en: 'Refused: nothing was changed.' },
  milestoneNow: { ja: 'マイルストーンの現在の状況', en: 'The milestone now' },
  openMeasure: { ja: '施策のページを開く（サインインが必要です）', en: 'Open the measure’s page (sign-in needed)' },
  notFound: { ja: '見つかりません', en: 'Not found' },
  notFoundText: { ja: 'このページはありません。', en: 'There is no such page.' },
  linkProblem: { ja: 'このリンクは使えません', en: 'This link cannot be used' },
  'link.invalid': {
    ja: 'このリンクは無効です（改ざんされたか、正しくコピーされていません）。何も変更されていません。',
    en: 'This link is not valid (it was altered, or not copied whole). Nothing was changed.',
  },
  'link.expired': {
    ja: 'このリンクは有効期限が切れています。最新のリマインダーメールのリンクを使ってください。何も変更されていません。',
    en: 'This link has expired: use the newest reminder. Nothing was changed.',
  },
  'link.used': {
    ja: 'このリンクはすでに使われています（リンクは 1 回だけ使えます）。何も変更されていません。',
    en: 'This link has already been used (each link acts once). Nothing was changed.',
  },
  'link.unknown': {
    ja: 'このリンクの施策またはマイルストーンはもうありません。何も変更されていません。',
    en: 'The measure or milestone of this link no longer exists. Nothing was changed.',
  },
  csrf: {
    ja: 'フォームの確認トークンが正しくありません。ページを開き直してから送信してください。何も変更されていません。',
    en: 'The form’s check token is missing or wrong: open the page again and resend. Nothing was changed.',
  },
  forbidden: { ja: '送信を受け付けられません', en: 'Request refused' },
  unavailable: {
    ja: 'トラッカーに一時的に接続できません。しばらくしてからもう一度お試しください。',
    en: 'The tracker cannot be reached right now: try again in a moment.',
  },
  errorTitle: { ja: 'エラー', en: 'Error' },

  // sign-in
  signIn: { ja: 'サインイン', en: 'Sign in' },
  signInIntro: {
    ja: 'プログラムに登録されたメールアドレスを入力してください。サインイン用のリンク（15 分間有効、1 回限り）をお送りします。',
    en: 'Enter the email address the program knows you by: we mail you a sign-in link (valid for 15 minutes, once).',
  },
  email: { ja: 'メールアドレス', en: 'Email address' },
  sendLink: { ja: 'サインイン用リンクを送る', en: 'Send me a sign-in link' },
  linkSent: { ja: 'メールを確認してください', en: 'Check your mail' },
  linkSentText: {
    ja: 'このアドレスがプログラムに登録されていれば、サインイン用のリンクを送りました。リンクは 15 分間、1 回だけ使えます。',
    en: 'If the program knows this address, a sign-in link is on its way. It works once, within 15 minutes.',
  },
  confirmSignIn: { ja: 'サインインの確認', en: 'Confirm the sign-in' },
  confirmSignInText: {
    ja: '下のボタンを押すとサインインします（リンクはこれで使用済みになります）。',
    en: 'Press the button to sign in (this uses up the link).',
  },
  signInButton: { ja: 'サインインする', en: 'Sign in' },
  'login.used': {
    ja: 'このサインイン用リンクはすでに使われています。もう一度リンクを請求してください。',
    en: 'This sign-in link has already been used: ask for a new one.',
  },
  'login.expired': {
    ja: 'このサインイン用リンクは有効期限が切れています。もう一度リンクを請求してください。',
    en: 'This sign-in link has expired: ask for a new one.',
  },
  askAgain: { ja: 'サインイン用リンクを請求する', en: 'Ask for a sign-in link' },
  mailSubject: { ja: 'サインイン用リンク', en: 'Your sign-in link' },
  mailIntro: {
    ja: '次のリンクからサインインしてください（15 分間有効、1 回限り）。心当たりがない場合は、このメールを無視してください。',
    en: 'Sign in with this link (valid for 15 minutes, once). If you did not ask for it, ignore this mail.',
  },

  // program page
  measuresByItem: { ja: '指導事項ごとの施策', en: 'Measures by directive item' },
  timeline: { ja: 'タイムライン', en: 'Timeline' },
  timelineText: { ja: 'タイムラインの内容（テキスト）', en: 'The timeline as text' },
  changes: { ja: '前回の進捗報告からの変更', en: 'What changed since the last progress update' },
  noPublished: {
    ja: 'まだ公開された進捗報告がありません。',
    en: 'No progress update has been published yet.',
  },
  noChanges: { ja: '変更はありません。', en: 'Nothing has changed.' },
  baselineMissing: {
    ja: '前回の進捗報告の基準データを読めません（ワーカーの var/ にあります）。',
    en: 'The baseline of the last progress update cannot be read here (it is in the worker’s var/).',
  },
  since: { ja: '比較対象', en: 'Compared with' },
  reportDeadlines: { ja: '規制当局への報告期限', en: 'Report deadlines' },
  report: { ja: '報告', en: 'Report' },
  submittedOn: { ja: '提出日', en: 'Submitted on' },
  outcome: { ja: '結果', en: 'Outcome' },
  'outcome.met': { ja: '期限内', en: 'Met' },
  'outcome.missed': { ja: '期限超過', en: 'Missed' },
  'outcome.open': { ja: '未到来', en: 'Open' },
  'outcome.cancelled': { ja: '中止', en: 'Cancelled' },
  noReports: { ja: '報告期限はありません。', en: 'No report deadlines.' },
  'change.completed': { ja: '完了', en: 'Completed' },
  'change.pulled-forward': { ja: '前倒し', en: 'Pulled forward' },
  'change.moved-back': { ja: '延期', en: 'Moved back' },
  'change.new-measure': { ja: '新しい施策', en: 'New measure' },
  'change.new-milestone': { ja: '新しいマイルストーン', en: 'New milestone' },
  'change.measure-cancelled': { ja: '施策の中止', en: 'Measure cancelled' },
  'change.milestone-cancelled': { ja: 'マイルストーンの中止', en: 'Milestone cancelled' },

  // measure page
  milestones: { ja: 'マイルストーン', en: 'Milestones' },
  changeLog: { ja: '変更履歴', en: 'Change log' },
  kind: { ja: '種別', en: 'Kind' },
  from: { ja: '変更前', en: 'From' },
  to: { ja: '変更後', en: 'To' },
  requestedBy: { ja: '依頼者', en: 'Requested by' },
  decidedBy: { ja: '決定者', en: 'Decided by' },
  decision: { ja: '決定', en: 'Decision' },
  acceleration: { ja: '前倒し', en: 'Acceleration' },
  extension: { ja: '延長', en: 'Extension' },
  approved: { ja: '承認', en: 'Approved' },
  rejected: { ja: '却下', en: 'Rejected' },
  history: { ja: '履歴', en: 'History' },
  at: { ja: '日時', en: 'At' },
  type: { ja: '区分', en: 'Type' },
  actor: { ja: '実行者', en: 'Actor' },
  details: { ja: '詳細', en: 'Details' },
  'type.action': { ja: '操作', en: 'Action' },
  'type.decision': { ja: '決定', en: 'Decision' },
  'type.notification': { ja: '通知', en: 'Notification' },
  omitted: {
    ja: '古い記録は Temporal のワークフロー履歴にあります',
    en: 'Older records are in the workflow history in Temporal',
  },
  dependencies: { ja: '依存関係', en: 'Dependencies' },
  dependsOn: { ja: 'この施策が依存するもの', en: 'This measure depends on' },
  dependents: { ja: 'この施策に依存する施策', en: 'Measures that depend on this one' },
  done: { ja: '完了', en: 'Done' },
  open: { ja: '未完了', en: 'Open' },
  cancelledBy: { ja: 'この施策は中止されました', en: 'This measure was cancelled' },

  // approvals
  approvals: { ja: '承認待ち', en: 'Awaiting a decision' },
  replans: { ja: '計画変更の依頼', en: 'Re-plan requests' },
  noReplans: { ja: '承認待ちの計画変更はありません。', en: 'No re-plan is waiting.' },
  managersDecide: {
    ja: '計画変更を決定できるのはプログラムの管理者です。',
    en: 'The program’s managers decide on re-plans.',
  },
  requestedTo: { ja: '依頼された期日', en: 'Requested date' },
  approve: { ja: '承認する', en: 'Approve' },
  reject: { ja: '却下する', en: 'Reject' },
  updates: { ja: '進捗報告の下書き', en: 'Progress update drafts' },
  noDrafts: { ja: '決定待ちの下書きはありません。', en: 'No draft is waiting for a decision.' },
  commsDecide: {
    ja: '進捗報告を決定できるのは広報担当と管理者です。',
    en: 'Comms and the managers decide on progress updates.',
  },
  period: { ja: '期間', en: 'Period' },
  revision: { ja: '版', en: 'Revision' },
  changeCount: { ja: '変更の数', en: 'Changes reported' },
  draftText: { ja: '下書きの本文', en: 'The draft’s text' },
  draftUnreadable: {
    ja: '下書きの本文はここでは読めません（広報担当へのメールに添付されています）。',
    en: 'The draft’s text cannot be read here (it is attached to the mail comms received).',
  },
  decided: { ja: '決定しました。', en: 'Decided.' },
  toApprovals: { ja: '承認待ちの一覧へ戻る', en: 'Back to the approvals' },
} as const satisfies Record<string, Record<Lang, string>>;

export type Word = keyof typeof WORDS;

/** The word `w` in `lang`. */
export function t(lang: Lang, w: Word): string {
  return WORDS[w][lang];
}

/** The status in words. */
export function statusWord(lang: Lang, s: MilestoneStatus): string {
  return t(lang, `status.${s}`);
}
