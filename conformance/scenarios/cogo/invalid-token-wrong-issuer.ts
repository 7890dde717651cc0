import { PROFILES } from '../../profiles/index.js'
import { invalidTokenScenario } from '../common.js'

const cogoProfile = PROFILES.cogo

/** The token endpoint issues a token the API refuses (`broken-token` fault, kind `wrong-issuer`) once. */
export default invalidTokenScenario(cogoProfile, 'wrong-issuer')
