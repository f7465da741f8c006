import { Module } from '@nestjs/common';

/** The Encedo dialect. Its routes arrive with their own issue; the module is wired already. */
@Module({})
export class EncedoDialectModule {}
