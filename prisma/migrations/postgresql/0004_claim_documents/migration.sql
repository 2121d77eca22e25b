-- CreateTable
CREATE TABLE "ClaimDocument" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "mediaId" TEXT NOT NULL,
    "claimId" INTEGER,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClaimDocument_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ClaimDocument_claimId_idx" ON "ClaimDocument"("claimId");

-- CreateIndex
CREATE UNIQUE INDEX "ClaimDocument_platform_mediaId_key" ON "ClaimDocument"("platform", "mediaId");
