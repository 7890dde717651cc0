import { cogoProfile } from '../../profiles/cogo.js'
import { invalidTokenScenario } from '../common.js'

/** The token endpoint issues a token the API refuses (`broken-token` fault, kind `wrong-issuer`) once. */
export default invalidTokenScenario(cogoProfile, 'wrong-issuer')
