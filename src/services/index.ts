/**
 * The use cases the chat bot calls, with the database (and the binding guards' store) bound once in the
 * composition root (src/app/start.ts). The bot receives this object instead of a `Db`, so nothing in src/bot can
 * reach Prisma, and the lint's layer rules (.dependency-cruiser.cjs: bot-never-reaches-the-database) keep it so.
 *
 * Each group is a module of src/services and keeps the function names of that module (`services.claims.submitClaim`
 * is `submitClaim(db, …)` of claims.ts), so a reader finds the use case by its name. Only what the bot uses is
 * here; a flow that needs another use case adds it to its group.
 */
import type { Log } from '../core/log.js';
import type { Db } from '../db/client.js';
import type { KeyValueStore } from '../state/store.js';
import { readApplicationForm } from './application-form.js';
import { decide, lastDecision } from './approvals.js';
import { audit } from './audit.js';
import { bindOnBehalfOf, trySelfBind, userLocked } from './binding.js';
import { federationOf, groupsUnder } from './broadcasts/recipients.js';
import { applyChatFile, type ChatFileInput, checkChatFile, progressWorkbook, rosterWorkbook } from './chat-files.js';
import {
  approvedUnpaidOf,
  approverUserIds,
  cardsOf,
  claimNoticeFacts,
  newClaimCard,
  pendingFor,
  recordCard,
  recordCards,
  renderClaimCard,
  renderClaimCardFrom,
} from './claim-cards.js';
import { keepPhoto, keptPhotos } from './claim-documents.js';
import { checkStay, claimStanding, estimateSubsidy, findClaim, submitClaim } from './claims.js';
import { eligibilityFacts, enrol } from './enrolment.js';
import { lookUpFeePayers, recordCollectedFees, repUnitIds } from './fee-collection.js';
import { memberStanding } from './member-status.js';
import { unitEntryStanding } from './participation.js';
import { markPaid, payableOf } from './payments.js';
import { personByChat } from './people.js';
import { currentPeriod } from './periods.js';
import { yearReportWorkbook } from './programme/year-report.js';
import { chatRanking } from './progress.js';
import { reconciliationReport, reconciliationWorkbook } from './reconciliation.js';
import { claimsWaitingForMaterial, claimToSupplement, resubmitClaim } from './supplements.js';
import { missingMembers, unitCounts } from './unit-views.js';

export interface ServicesDeps {
  db: Db;
  /** the shared store: the binding guards count tries in it */
  store: KeyValueStore;
  log: Log;
}

/** A chat file's input, the database aside (the facade supplies it). */
export type ChatFileRequest = Omit<ChatFileInput, 'db'>;

export function createServices(deps: ServicesDeps) {
  const { db } = deps;
  /** `f(db, …rest)` as `(…rest)`: the use case with the database bound */
  const bound =
    <A extends unknown[], R>(f: (db: Db, ...rest: A) => R) =>
    (...rest: A): R =>
      f(db, ...rest);
  return {
    people: { personByChat: bound(personByChat) },
    periods: { currentPeriod: bound(currentPeriod) },
    enrolment: { eligibilityFacts: bound(eligibilityFacts), enrol: bound(enrol) },
    memberStatus: { memberStanding: bound(memberStanding) },
    claims: {
      checkStay: bound(checkStay),
      claimStanding: bound(claimStanding),
      estimateSubsidy: bound(estimateSubsidy),
      submitClaim: bound(submitClaim),
      findClaim: bound(findClaim),
    },
    claimDocuments: { keepPhoto: bound(keepPhoto), keptPhotos: bound(keptPhotos) },
    supplements: {
      claimToSupplement: bound(claimToSupplement),
      claimsWaitingForMaterial: bound(claimsWaitingForMaterial),
      resubmitClaim: bound(resubmitClaim),
    },
    approvals: { decide: bound(decide), lastDecision: bound(lastDecision) },
    claimCards: {
      approvedUnpaidOf: bound(approvedUnpaidOf),
      approverUserIds: bound(approverUserIds),
      cardsOf: bound(cardsOf),
      claimNoticeFacts: bound(claimNoticeFacts),
      newClaimCard: bound(newClaimCard),
      pendingFor: bound(pendingFor),
      recordCard: bound(recordCard),
      recordCards: bound(recordCards),
      renderClaimCard: bound(renderClaimCard),
      renderClaimCardFrom: bound(renderClaimCardFrom),
    },
    payments: { markPaid: bound(markPaid), payableOf: bound(payableOf) },
    audit: { audit: bound(audit) },
    chatFiles: {
      checkChatFile: (i: ChatFileRequest) => checkChatFile({ ...i, db }),
      applyChatFile: (i: ChatFileRequest & Omit<Parameters<typeof applyChatFile>[0], keyof ChatFileInput>) =>
        applyChatFile({ ...i, db }),
      progressWorkbook: bound(progressWorkbook),
      rosterWorkbook: bound(rosterWorkbook),
    },
    binding: {
      userLocked: (platform: string, userId: string) => userLocked(deps, platform, userId),
      trySelfBind: (i: Parameters<typeof trySelfBind>[1]) => trySelfBind(deps, i),
      bindOnBehalfOf: (i: Parameters<typeof bindOnBehalfOf>[1]) => bindOnBehalfOf(deps, i),
    },
    progress: { ranking: bound(chatRanking) },
    feeCollection: {
      lookUpFeePayers: bound(lookUpFeePayers),
      recordCollectedFees: bound(recordCollectedFees),
      repUnitIds: bound(repUnitIds),
    },
    reports: {
      reconciliationReport: bound(reconciliationReport),
      reconciliationWorkbook,
      yearReportWorkbook: bound(yearReportWorkbook),
      readApplicationForm: bound(readApplicationForm),
    },
    participation: { unitEntryStanding: bound(unitEntryStanding) },
    unitViews: { unitCounts: bound(unitCounts), missingMembers: bound(missingMembers) },
    broadcasts: { federationOf: bound(federationOf), groupsUnder: bound(groupsUnder) },
  };
}

export type Services = ReturnType<typeof createServices>;
