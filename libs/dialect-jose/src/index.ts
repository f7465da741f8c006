import { Module } from '@nestjs/common';

/** The Jose dialect. Its routes arrive with their own issue; the module is wired already. */
@Module({})
export class JoseDialectModule {}
