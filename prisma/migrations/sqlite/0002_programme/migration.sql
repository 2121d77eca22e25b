-- AlterTable
ALTER TABLE "Org" ADD COLUMN "claimTargetBase" INTEGER;
ALTER TABLE "Org" ADD COLUMN "enrolmentTarget" INTEGER;
ALTER TABLE "Org" ADD COLUMN "previousParticipants" INTEGER;

-- AlterTable
ALTER TABLE "Period" ADD COLUMN "closedOn" TEXT;
