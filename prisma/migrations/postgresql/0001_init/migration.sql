-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Org" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "category" TEXT,
    "parentId" INTEGER,
    "rankUnitId" INTEGER,
    "officeId" INTEGER,
    "path" TEXT NOT NULL DEFAULT '',
    "memberTotal" INTEGER,
    "insuredHeadcount" INTEGER,
    "rankNote" TEXT,
    "groupChats" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Org_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Programme" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "federationId" INTEGER NOT NULL,

    CONSTRAINT "Programme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Period" (
    "id" SERIAL NOT NULL,
    "programmeId" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "startsOn" TEXT NOT NULL,
    "endsOn" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Period_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UnitBaseline" (
    "id" SERIAL NOT NULL,
    "periodId" INTEGER NOT NULL,
    "orgId" INTEGER NOT NULL,
    "previousParticipants" INTEGER NOT NULL DEFAULT 0,
    "enrolmentTask" INTEGER,

    CONSTRAINT "UnitBaseline_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Member" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "idHash" TEXT NOT NULL,
    "idLast4" TEXT NOT NULL,
    "birthDate" TEXT,
    "phone" TEXT,
    "status" TEXT NOT NULL,
    "hasBasicInsurance" BOOLEAN NOT NULL DEFAULT true,
    "hasCriticalIllnessInsurance" BOOLEAN NOT NULL DEFAULT false,
    "unitId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatIdentity" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "memberId" INTEGER NOT NULL,
    "boundBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleGrant" (
    "id" SERIAL NOT NULL,
    "memberId" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "orgId" INTEGER NOT NULL,

    CONSTRAINT "RoleGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Enrolment" (
    "id" SERIAL NOT NULL,
    "periodId" INTEGER NOT NULL,
    "memberId" INTEGER NOT NULL,
    "unitId" INTEGER NOT NULL,
    "rankUnitId" INTEGER,
    "kind" TEXT NOT NULL,
    "feeFen" INTEGER NOT NULL,
    "paid" BOOLEAN NOT NULL DEFAULT false,
    "paidAt" TIMESTAMP(3),
    "source" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Enrolment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Claim" (
    "id" SERIAL NOT NULL,
    "periodId" INTEGER NOT NULL,
    "memberId" INTEGER NOT NULL,
    "officeId" INTEGER,
    "hospital" TEXT NOT NULL,
    "admittedOn" TEXT NOT NULL,
    "dischargedOn" TEXT NOT NULL,
    "totalFen" INTEGER NOT NULL,
    "basicInsuranceFen" INTEGER NOT NULL,
    "selfPaidFen" INTEGER NOT NULL,
    "majorIllness" BOOLEAN NOT NULL DEFAULT false,
    "subsidyFen" INTEGER NOT NULL,
    "breakdown" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'submitted',
    "levelsRequired" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 0,
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "paidAt" TIMESTAMP(3),

    CONSTRAINT "Claim_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClaimAttachment" (
    "id" SERIAL NOT NULL,
    "claimId" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "mediaId" TEXT NOT NULL,
    "url" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClaimAttachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Approval" (
    "id" SERIAL NOT NULL,
    "claimId" INTEGER NOT NULL,
    "approverId" INTEGER NOT NULL,
    "level" INTEGER NOT NULL,
    "decision" TEXT NOT NULL,
    "comment" TEXT,
    "decidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Approval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClaimCard" (
    "id" SERIAL NOT NULL,
    "claimId" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "cardId" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "recipients" TEXT NOT NULL,
    "responseCode" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClaimCard_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Remittance" (
    "id" SERIAL NOT NULL,
    "periodId" INTEGER NOT NULL,
    "officeId" INTEGER NOT NULL,
    "amountFen" INTEGER NOT NULL,
    "persons" INTEGER NOT NULL,
    "remittedOn" TEXT NOT NULL,
    "reference" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Remittance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProgressSnapshot" (
    "id" SERIAL NOT NULL,
    "periodId" INTEGER NOT NULL,
    "orgId" INTEGER NOT NULL,
    "day" TEXT NOT NULL,
    "participants" INTEGER NOT NULL,

    CONSTRAINT "ProgressSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "details" TEXT,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Org_code_key" ON "Org"("code");

-- CreateIndex
CREATE INDEX "Org_parentId_idx" ON "Org"("parentId");

-- CreateIndex
CREATE INDEX "Org_rankUnitId_idx" ON "Org"("rankUnitId");

-- CreateIndex
CREATE INDEX "Org_officeId_idx" ON "Org"("officeId");

-- CreateIndex
CREATE UNIQUE INDEX "Programme_code_key" ON "Programme"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Period_programmeId_number_key" ON "Period"("programmeId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "UnitBaseline_periodId_orgId_key" ON "UnitBaseline"("periodId", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "Member_idHash_key" ON "Member"("idHash");

-- CreateIndex
CREATE INDEX "Member_unitId_idx" ON "Member"("unitId");

-- CreateIndex
CREATE INDEX "Member_name_idx" ON "Member"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ChatIdentity_platform_userId_key" ON "ChatIdentity"("platform", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "ChatIdentity_platform_memberId_key" ON "ChatIdentity"("platform", "memberId");

-- CreateIndex
CREATE INDEX "RoleGrant_orgId_role_idx" ON "RoleGrant"("orgId", "role");

-- CreateIndex
CREATE UNIQUE INDEX "RoleGrant_memberId_role_orgId_key" ON "RoleGrant"("memberId", "role", "orgId");

-- CreateIndex
CREATE INDEX "Enrolment_periodId_rankUnitId_kind_idx" ON "Enrolment"("periodId", "rankUnitId", "kind");

-- CreateIndex
CREATE INDEX "Enrolment_periodId_unitId_kind_idx" ON "Enrolment"("periodId", "unitId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "Enrolment_periodId_memberId_key" ON "Enrolment"("periodId", "memberId");

-- CreateIndex
CREATE INDEX "Claim_periodId_status_idx" ON "Claim"("periodId", "status");

-- CreateIndex
CREATE INDEX "Claim_memberId_idx" ON "Claim"("memberId");

-- CreateIndex
CREATE INDEX "Claim_officeId_status_idx" ON "Claim"("officeId", "status");

-- CreateIndex
CREATE INDEX "Approval_claimId_idx" ON "Approval"("claimId");

-- CreateIndex
CREATE UNIQUE INDEX "ClaimCard_cardId_key" ON "ClaimCard"("cardId");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_key_key" ON "Delivery"("key");

-- CreateIndex
CREATE UNIQUE INDEX "ProgressSnapshot_periodId_orgId_day_key" ON "ProgressSnapshot"("periodId", "orgId", "day");

-- CreateIndex
CREATE INDEX "AuditLog_subjectType_subjectId_idx" ON "AuditLog"("subjectType", "subjectId");

-- AddForeignKey
ALTER TABLE "Org" ADD CONSTRAINT "Org_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Org"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Programme" ADD CONSTRAINT "Programme_federationId_fkey" FOREIGN KEY ("federationId") REFERENCES "Org"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Period" ADD CONSTRAINT "Period_programmeId_fkey" FOREIGN KEY ("programmeId") REFERENCES "Programme"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UnitBaseline" ADD CONSTRAINT "UnitBaseline_periodId_fkey" FOREIGN KEY ("periodId") REFERENCES "Period"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Org"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatIdentity" ADD CONSTRAINT "ChatIdentity_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleGrant" ADD CONSTRAINT "RoleGrant_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleGrant" ADD CONSTRAINT "RoleGrant_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Enrolment" ADD CONSTRAINT "Enrolment_periodId_fkey" FOREIGN KEY ("periodId") REFERENCES "Period"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Enrolment" ADD CONSTRAINT "Enrolment_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Claim" ADD CONSTRAINT "Claim_periodId_fkey" FOREIGN KEY ("periodId") REFERENCES "Period"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Claim" ADD CONSTRAINT "Claim_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClaimAttachment" ADD CONSTRAINT "ClaimAttachment_claimId_fkey" FOREIGN KEY ("claimId") REFERENCES "Claim"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Approval" ADD CONSTRAINT "Approval_claimId_fkey" FOREIGN KEY ("claimId") REFERENCES "Claim"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClaimCard" ADD CONSTRAINT "ClaimCard_claimId_fkey" FOREIGN KEY ("claimId") REFERENCES "Claim"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Remittance" ADD CONSTRAINT "Remittance_periodId_fkey" FOREIGN KEY ("periodId") REFERENCES "Period"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AuditLog is append-only. The body's semicolons are written as \073: Prisma's pg adapter splits scripts at every semicolon.
CREATE FUNCTION "AuditLog_append_only"() RETURNS trigger LANGUAGE plpgsql
  AS E'BEGIN RAISE EXCEPTION ''AuditLog is append-only''\073 END\073';
CREATE TRIGGER "AuditLog_no_update_delete" BEFORE UPDATE OR DELETE ON "AuditLog"
  FOR EACH ROW EXECUTE FUNCTION "AuditLog_append_only"();
