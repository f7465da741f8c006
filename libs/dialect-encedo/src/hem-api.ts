import { UseGuards, applyDecorators } from '@nestjs/common';
import { HemGuard } from './auth/hem.guard';

/** The dialect's seam on a controller of authenticated routes: its guard (the codec audits the routes' own refusals). */
export const HemApi = () => applyDecorators(UseGuards(HemGuard));
