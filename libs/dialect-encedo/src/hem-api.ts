import { UseGuards, UseInterceptors, applyDecorators } from '@nestjs/common';
import { HemGuard } from './auth/hem.guard';
import { HemRefusalAudit } from './refusal-audit.interceptor';

/** The dialect's seam on a controller of authenticated routes: its guard and the audit of its refusals. */
export const HemApi = () => applyDecorators(UseGuards(HemGuard), UseInterceptors(HemRefusalAudit));
