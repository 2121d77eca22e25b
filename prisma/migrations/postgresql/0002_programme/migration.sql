-- AlterTable
ALTER TABLE "Org" ADD COLUMN     "claimTargetBase" INTEGER,
ADD COLUMN     "enrolmentTarget" INTEGER,
ADD COLUMN     "previousParticipants" INTEGER;

-- AlterTable
ALTER TABLE "Period" ADD COLUMN     "closedOn" TEXT;
