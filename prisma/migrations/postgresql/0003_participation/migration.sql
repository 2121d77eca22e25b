-- AlterTable
ALTER TABLE "Org" ADD COLUMN     "entryBreach" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "restructured" BOOLEAN NOT NULL DEFAULT false;
